// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * timeit CMD [ARG...]: run CMD once with stdout and stderr on /dev/null and
 * print "WALL_S CPU_S MAXRSS_KIB STATUS": the wall time from fork to its
 * reaping, its user+system CPU and its peak RSS (wait4's rusage of that one
 * child).  bench/bench.py calls it for every timed run.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0, t1;
	int status, null;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: timeit CMD [ARG...]\n");
		return 64;
	}
	null = open("/dev/null", O_WRONLY);
	if (null < 0) {
		perror("timeit: /dev/null");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (!pid) {
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		return 2;
	}
	t1 = now();
	printf("%.6f %.6f %ld %d\n", t1 - t0,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
