// SPDX-License-Identifier: MIT
// Whether an open file belongs to this process in procfs (/proc/<our pid>/..., also reached
// as /proc/self or /proc/thread-self): its memory (mem), environment (environ, which holds
// registry passwords), fds, maps. Whatever directories a guest is given (even /proc), it must
// not reach the runtime's own process through them.
#pragma once

namespace wb::wasi {

// True when `fd` is on a procfs and lies in the directory of this process (or of one of its
// threads), or when that cannot be told (then the open is refused, to be safe).
bool reaches_own_process(int fd);

}  // namespace wb::wasi
