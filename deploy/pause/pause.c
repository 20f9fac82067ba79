/*
 * The pause container of a tinykube pod: it holds the pod's network namespace
 * and does nothing else. It sleeps until SIGTERM or SIGINT and, being PID 1 of
 * its container, reaps any zombie re-parented to it.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

static volatile sig_atomic_t stopping;

static void on_stop(int sig) { (void)sig; stopping = 1; }

static void on_child(int sig) {
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int main(void) {
    struct sigaction stop = {.sa_handler = on_stop};
    struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP | SA_RESTART};
    sigset_t blocked, waiting;

    /* Block the stop signals outside sigsuspend so none is lost between the check and the wait. */
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    if (sigprocmask(SIG_BLOCK, &blocked, &waiting) || sigaction(SIGTERM, &stop, NULL) ||
        sigaction(SIGINT, &stop, NULL) || sigaction(SIGCHLD, &child, NULL)) {
        perror("pause: signal setup");
        return 1;
    }
    sigdelset(&waiting, SIGTERM);
    sigdelset(&waiting, SIGINT);
    while (!stopping)
        sigsuspend(&waiting);
    return 0;
}
