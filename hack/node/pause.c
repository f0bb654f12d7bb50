/* The pod sandbox's process: holds the pod's namespaces open, reaps zombies, and exits on
 * SIGINT/SIGTERM. Built here because no registry serves the upstream pause image. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) { _exit(0); }

static void reap(int sig) {
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction term = {.sa_handler = stop}, child = {.sa_handler = reap};
  if (getpid() != 1) fprintf(stderr, "pause: not running as PID 1\n");
  sigaction(SIGINT, &term, NULL);
  sigaction(SIGTERM, &term, NULL);
  child.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
}
