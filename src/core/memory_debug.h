/* Guard-byte debug mode of the host buffer pool (for tests).
 *
 * When on (AX_DEBUG_GUARDS=1 in the environment, or ax__memory_set_guards),
 * every pool allocation gets AX_GUARD_BYTES of a known pattern before its
 * first byte and from its last byte up to the next 64-byte boundary plus
 * AX_GUARD_BYTES; fresh data is filled with AX_GUARD_POISON so outputs a
 * kernel never wrote stand out. Guarded blocks bypass the pool cache
 * (allocated and freed directly), so they never mix with unguarded ones; a
 * buffer allocated in one mode is freed correctly in the other. The guards
 * are checked when the buffer is freed: each corrupted buffer is reported on
 * stderr and counted. */
#ifndef AX_MEMORY_DEBUG_H
#define AX_MEMORY_DEBUG_H

#include "core/internal.h"

#define AX_GUARD_BYTES 64
#define AX_GUARD_POISON 0xA5

/* Switch guard mode for allocations made from now on; returns the previous
 * setting. */
bool ax__memory_set_guards(bool on);
bool ax__memory_guards(void);
/* Guarded buffers found corrupted when freed, since the process started. */
long ax__memory_guard_failures(void);
/* Check the guards of a live buffer without freeing it: true if intact or
 * the buffer is not guarded. Counts nothing. */
bool ax__buffer_guards_ok(const ax_buffer *b);
/* True if b was allocated in guard mode. */
bool ax__buffer_is_guarded(const ax_buffer *b);

#endif
