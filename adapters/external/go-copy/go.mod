module echoflood/go-copy

go 1.19
