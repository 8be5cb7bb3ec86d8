/*
 * nodelay_preload: a diagnosis aid, not part of the product.  Preloaded
 * into tradeguardd, it sets TCP_NODELAY on every accepted socket, so a
 * benchmark can show how much of a response's time is Nagle's algorithm
 * waiting for the client's delayed ACK (see docs/benchmarks.md).
 *
 *   cc -O2 -shared -fPIC -o /tmp/nodelay.so bench/nodelay_preload.c -ldl
 *   bench/run-all --daemon-preload /tmp/nodelay.so
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <sys/socket.h>

static void
set_nodelay(int fd)
{
	int one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
accept4(int s, struct sockaddr *addr, socklen_t *len, int flags)
{
	static int (*real)(int, struct sockaddr *, socklen_t *, int);
	int fd;

	if (real == NULL)
		real = (int (*)(int, struct sockaddr *, socklen_t *, int))
		    dlsym(RTLD_NEXT, "accept4");
	fd = real(s, addr, len, flags);
	set_nodelay(fd);
	return fd;
}

int
accept(int s, struct sockaddr *addr, socklen_t *len)
{
	static int (*real)(int, struct sockaddr *, socklen_t *);
	int fd;

	if (real == NULL)
		real = (int (*)(int, struct sockaddr *, socklen_t *))
		    dlsym(RTLD_NEXT, "accept");
	fd = real(s, addr, len);
	set_nodelay(fd);
	return fd;
}
