/* fcgi_out.h - a FastCGI answer's STDOUT records in one writev. */
#ifndef IMAGIER_FCGI_OUT_H
#define IMAGIER_FCGI_OUT_H

#include <sys/uio.h>

/* Write the n pieces to fd as FCGI_STDOUT records of request_id (each up to
 * FCGI_OUT_RECORD_MAX bytes, padded to 8), in one writev (more only when
 * the socket takes part of it). Returns 0 when it was all written or the
 * peer went away (nothing more can be said), -1 when the pieces need more
 * than FCGI_OUT_RECORDS records (nothing written). The end of STDOUT and
 * FCGI_END_REQUEST are not written: libfcgi's FCGX_Finish_r writes them. */
#define FCGI_OUT_RECORD_MAX 65528 /* a multiple of 8 under 65535 */
#define FCGI_OUT_RECORDS    64
int fcgi_stdout_writev(int fd, int request_id, const struct iovec *piece, int n);

#endif
