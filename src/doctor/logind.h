#pragma once
// systemd-logind's RemoveIPC=yes (its default) removes a user's POSIX shared
// memory, /dev/shm files included, when their last login session ends. On
// nodes where batch jobs run without a logind session, that can remove cache
// entries under a running job. Doctor says so.
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

/// The effective RemoveIPC of logind.conf and its drop-ins, given their
/// texts in the order logind reads them; true when none sets it (the default).
bool remove_ipc_effective(const std::vector<std::string>& config_texts);

/// The note doctor prints when logind is installed and RemoveIPC is on;
/// reads /etc/systemd/logind.conf and logind.conf.d/*.conf.
std::optional<std::string> remove_ipc_note();

}  // namespace pybcast
