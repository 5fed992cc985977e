module echoflood/go-buffer

go 1.19
