/* Listening sockets for the event loops. */
#include "http/server_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tradeguard/error.h>

#define LISTEN_BACKLOG 511

static int
listen_parse(const char *listen, struct addrinfo **res, char *err, size_t errlen)
{
	char host[128], port[8];
	const char *colon, *h = listen;
	struct addrinfo hints;
	size_t hl;
	char *end;
	long pn;
	int gr;

	*res = NULL;
	if ((colon = strrchr(listen, ':')) == NULL)
		goto bad;
	if (listen[0] == '[') {
		if (colon == listen || colon[-1] != ']')
			goto bad;
		h = listen + 1;
		hl = (size_t)(colon - 1 - h);
	} else
		hl = (size_t)(colon - listen);
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	pn = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || pn < 0 || pn > 65535)
		goto bad;
	snprintf(port, sizeof(port), "%ld", pn);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gr = getaddrinfo(host[0] == '\0' || strcmp(host, "*") == 0 ? NULL : host,
	    port, &hints, res);
	if (gr != 0) {
		snprintf(err, errlen, "[server] listen %s: %s", listen,
		    gai_strerror(gr));
		return TG_ERR_CONFIG;
	}
	return 0;
bad:
	snprintf(err, errlen, "[server] listen %s: expected HOST:PORT or [IPV6]:PORT",
	    listen);
	return TG_ERR_CONFIG;
}

static int
listen_socket(const struct sockaddr *sa, socklen_t salen, int reuseport,
    int do_listen, int *fdp)
{
	int fd, one = 1;

	*fdp = -1;
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -1;
	/*
	 * TCP_NODELAY on the listener is inherited by every accepted socket
	 * (Linux): without it a keep-alive client that waits for each answer
	 * meets Nagle's algorithm and delayed ACKs, 40 ms a request.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) != 0) ||
	    bind(fd, sa, salen) != 0 ||
	    (do_listen && listen(fd, LISTEN_BACKLOG) != 0)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*fdp = fd;
	return 0;
}

static void
addr_text(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len)
{
	char h[NI_MAXHOST], s[NI_MAXSERV];

	if (getnameinfo(sa, salen, h, sizeof(h), s, sizeof(s),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, s);
}

/*
 * One SO_REUSEPORT socket per event loop.  Binding a plain socket first
 * makes a port already in use (say, by a second tradeguardd) an error
 * instead of silently sharing it.
 */
int
tg_http_listen(const char *listen, int n, int *fds, char *addr, size_t addrlen,
    char *err, size_t errlen)
{
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	int r, i, probe, port0;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	if ((r = listen_parse(listen, &ai, err, errlen)) != 0)
		return r;
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	port0 = ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port == 0 :
	    ((struct sockaddr_in6 *)&ss)->sin6_port == 0;
	r = TG_ERR_IO;
	if (!port0) {
		if (listen_socket((struct sockaddr *)&ss, sl, 0, 0, &probe) != 0)
			goto fail;
		close(probe);
	}
	for (i = 0; i < n; i++) {
		if (listen_socket((struct sockaddr *)&ss, sl, 1, 1, &fds[i]) != 0)
			goto fail;
		if (i == 0) {
			/* Port 0: the others join the port the kernel chose. */
			sl = sizeof(ss);
			if (getsockname(fds[0], (struct sockaddr *)&ss, &sl) != 0)
				goto fail;
		}
	}
	addr_text((struct sockaddr *)&ss, sl, addr, addrlen);
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", listen, strerror(errno));
	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
	return r;
}
