/* procmem.c - how a FastCGI worker uses memory: glibc malloc's settings. */
#include "procmem.h"

#include <malloc.h>

#define PROCMEM_MMAP_THRESHOLD	       (256 * 1024)
#define PROCMEM_PICTURE_MMAP_THRESHOLD 4096

void procmem_setup(void)
{
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, PROCMEM_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, 2 * PROCMEM_MMAP_THRESHOLD);
}

void procmem_pictures(int on)
{
	/* A 2048 px picture is 16 MiB of libgd rows of 8 KiB, below the usual
	 * threshold: from the heap. Trimmed after the upload, those pages
	 * stayed part of the heap, and later requests' small allocations,
	 * carved from that free stretch, touched them again page by page
	 * without the heap growing (so no trim came): workers sat at 32 MB
	 * after one upload, 13 before it. Mmapped, the rows go back to the
	 * system when freed. It costs an upload about a tenth more time (a
	 * 2048 px JPEG: 450 -> 500 ms), once, against 18 MB held for good. */
	mallopt(M_MMAP_THRESHOLD, on ? PROCMEM_PICTURE_MMAP_THRESHOLD : PROCMEM_MMAP_THRESHOLD);
}
