/*
 * git itself, run as the reviewer's tool: its config, its revision and its
 * own reading of every object of a hashed tree (tree_git.c asks).
 */
#ifndef CR_GIT_CHILD_H
#define CR_GIT_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include <git2.h>

/*
 * How long a git run that reads a few small files ('git config --list',
 * 'git rev-parse') may take in all, and how long 'git cat-file --batch'
 * may stay silent between two answers, before it is killed and refused.
 */
#define CR_GIT_TIMEOUT_MS 30000

/*
 * Starts git on the git directory gitdir with args (at most 6), the
 * caller's config shut out (no system or global file, a bare environment):
 * stdin from in_fd (or /dev/null when -1), stdout (and stderr when both)
 * into the pipe *out_fd. *pid is -1 and nothing is started when git is not
 * installed; the caller reads *out_fd, closes it and reaps *pid.
 */
int cr_git_spawn(pid_t *pid, int *out_fd, int in_fd, const char *repo,
		 const char *gitdir, const char *const *args, int both);

/*
 * git's own reading of objects: 'git cat-file --batch' is asked for each
 * of ids (n, distinct) and every object it writes must hash (SHA-1 of its
 * header and bytes) to the id asked for. libgit2 checked that its own copy
 * of each hashes to the id, with collision detection, so both read the same
 * bytes whichever copies each picked. Runs in a thread of its own beside
 * the hashing: cr_git_batch_start takes ids over (freed by the batch), and
 * cr_git_batch_end waits for it (stop: kill git first) and gives its
 * verdict: CR_OK (also when git is not installed), or a refusal naming the
 * object. A batch never started ends CR_OK.
 */
struct cr_git_batch;

int cr_git_batch_start(struct cr_git_batch **out, const char *repo,
		       const char *gitdir, git_oid *ids, size_t n);
int cr_git_batch_end(struct cr_git_batch *b, int stop);

/*
 * The batch's check of git's answers, on len bytes of them held in buf, fed
 * in pieces of at most piece bytes (as reads would cut them): CR_OK when
 * all n ids are answered by objects hashing to them and nothing follows,
 * else a refusal. For the fuzz harness and tests.
 */
int cr_git_batch_check(const char *repo, const git_oid *ids, size_t n,
		       const char *buf, size_t len, size_t piece);

#endif
