/*
 * The payload pattern, byte for byte the same as src/protocol/PayloadPattern.ts
 * (keep them in step). Byte `o` of connection `c` is P[(start(c) + o) mod L],
 * where P is an xorshift32 sequence of prime length L (seed 0x9e3779b9, each
 * byte the top 8 bits of the state) and start(c) = (c * STRIDE) mod L.
 *
 * P is stored twice over (2L bytes), so any span of up to L bytes that starts
 * below L is contiguous: writes send straight from it and verification is one
 * memcmp against it.
 */
#ifndef ECHOFLOOD_PATTERN_H
#define ECHOFLOOD_PATTERN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Prime length of the pattern period (2^20 - 3). */
#define PATTERN_LENGTH 1048573u
/* Distance between the starting offsets of consecutive connections (a prime). */
#define PATTERN_STRIDE 104729u
/* Seed of the xorshift32 generator. */
#define PATTERN_SEED 0x9e3779b9u

/* Builds the doubled pattern (2L bytes, about 2 MiB); NULL if out of memory. */
static inline uint8_t *pattern_build(void) {
    uint8_t *p = malloc((size_t)PATTERN_LENGTH * 2);
    if (p == NULL) return NULL;
    uint32_t state = PATTERN_SEED;
    for (uint32_t i = 0; i < PATTERN_LENGTH; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        p[i] = (uint8_t)(state >> 24);
    }
    memcpy(p + PATTERN_LENGTH, p, PATTERN_LENGTH);
    return p;
}

/* Offset in P where connection `connection` starts. */
static inline uint32_t pattern_start(uint64_t connection) {
    return (uint32_t)((connection % PATTERN_LENGTH) * PATTERN_STRIDE % PATTERN_LENGTH);
}

/* Position in P of byte `offset` of `connection`. */
static inline uint32_t pattern_position(uint64_t connection, uint64_t offset) {
    return (uint32_t)(((uint64_t)pattern_start(connection) + offset % PATTERN_LENGTH) % PATTERN_LENGTH);
}

/* The expected bytes of `connection` from `offset`, contiguous for up to L bytes. */
static inline const uint8_t *pattern_view(const uint8_t *p, uint64_t connection, uint64_t offset) {
    return p + pattern_position(connection, offset);
}

#endif
