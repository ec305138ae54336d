/*
 * Test bed only: makes one JVM play a host of its own on a shared loopback. Every node of the real-Kafka test
 * cluster runs on this one machine, yet brokerlink writes `EXTERNAL://0.0.0.0:<brokerPort>` into each node's
 * server.properties, as it must on real VMs (same port on every host). Loaded with LD_PRELOAD, this turns a bind to
 * the IPv4 wildcard into a bind to BROKERLINK_HOST_ADDRESS (the node's "host", e.g. 127.0.0.11), exactly what the
 * wildcard means on a VM whose only address that is. Nothing else is changed; the JVM runs with
 * -Djava.net.preferIPv4Stack=true so its sockets are AF_INET.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static bind_fn real_bind = NULL;
  if (real_bind == NULL) real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
  const char *host = getenv("BROKERLINK_HOST_ADDRESS");
  if (host != NULL && addr != NULL && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
    if (in->sin_addr.s_addr == htonl(INADDR_ANY)) {
      struct sockaddr_in copy;
      memcpy(&copy, in, sizeof copy);
      if (inet_pton(AF_INET, host, &copy.sin_addr) == 1) return real_bind(fd, (const struct sockaddr *)&copy, sizeof copy);
    }
  }
  return real_bind(fd, addr, len);
}
