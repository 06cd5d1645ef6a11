// glibc's posix_spawn extensions (2.29, 2.34; Debian 12 has 2.36), pipe2 and malloc_trim, declared here rather than through
// _GNU_SOURCE, which would change struct definitions the Glibc module already has.
#include <spawn.h>

extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *directory);
extern int pipe2(int fds[2], int flags);
extern int malloc_trim(size_t pad);

// In the child, close every descriptor from `from` on: nothing of the parent leaks into a command, without listing
// the parent's descriptors (which other threads open and close meanwhile).
static inline int rc_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
  return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

// In the child, change to `directory` before the exec.
static inline int rc_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *directory) {
  return posix_spawn_file_actions_addchdir_np(actions, directory);
}

// A pipe whose ends are closed on exec.
static inline int rc_pipe_cloexec(int fds[2]) { return pipe2(fds, 02000000 /* O_CLOEXEC */); }
