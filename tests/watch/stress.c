// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stress.c - a busy multi-threaded target for stress.py: 3 threads loop on
 * ioctl() and nanosleep, and keep creating short-lived threads; every
 * SIGRTMIN (queued, so none may merge) is counted.  Exits when the file
 * argv[1] exists, printing "received N".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static atomic_long received;
static atomic_int done;
static int pfd[2];

static void on_rt(int sig)
{
	(void)sig;
	atomic_fetch_add(&received, 1);
}

static void *brief(void *arg)
{
	int v;

	(void)arg;
	ioctl(pfd[0], FIONREAD, &v);
	return NULL;
}

static void *worker(void *arg)
{
	struct timespec ts = { 0, 200000 };
	long i = 0;

	(void)arg;
	while (!atomic_load(&done)) {
		int v;
		pthread_t t;

		ioctl(pfd[0], FIONREAD, &v);
		nanosleep(&ts, NULL);
		if (++i % 50 == 0 && !pthread_create(&t, NULL, brief, NULL))
			pthread_join(t, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t th[3];

	if (argc < 2 || pipe(pfd))
		return 64;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_rt;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGRTMIN, &sa, NULL);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	printf("pid %d\n", getpid());
	fflush(stdout);
	while (access(argv[1], F_OK))
		usleep(10000);
	atomic_store(&done, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	usleep(100000);	/* let the last queued signals in */
	printf("received %ld\n", atomic_load(&received));
	return 0;
}
