/* procmem.h - how a FastCGI worker uses memory: glibc malloc's settings. */
#ifndef IMAGIER_PROCMEM_H
#define IMAGIER_PROCMEM_H

/* Once, in each worker: one malloc arena (a worker has one thread) and a
 * fixed mmap threshold of 256 KiB (glibc would raise its own to the largest
 * block freed so far, and keep the next big buffers in the heap). */
void procmem_setup(void);

/* on = 1 while a picture is decoded and encoded (an upload, an avatar):
 * every buffer from a page up is mmapped, and goes back to the system when
 * freed; 0 puts the usual threshold back. */
void procmem_pictures(int on);

#endif
