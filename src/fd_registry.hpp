// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// The descriptors this process's unix_sockets channels own, by number.
//
// adopt must refuse a descriptor that one of our channels already owns: two
// channels on one descriptor would each close it, the second time perhaps
// closing whatever the number was given to in between. Tcl cannot tell us
// (Tcl_GetChannelHandle needs the channel, and channels live in many
// interpreters and threads), so every channel driver of the package records
// its descriptor here when its channel is made and closes it through
// closeRegistered. One registry per process, guarded by a mutex: channels
// move between threads, and adopt may run in any of them.
#pragma once

#include <string>

namespace unix_sockets {

// Records that the channel named owner owns fd. Called by every channel
// driver as it makes its channel.
void registerDescriptor(int fd, const std::string& owner);

// Claims fd for a channel about to be made, unless a channel owns it
// already (or another adopt has claimed it): then returns false and leaves
// the owner's channel name in *owner ({} while only claimed). A claim is
// kept by the registerDescriptor that follows, or dropped by
// unclaimDescriptor if the channel is not made after all.
bool claimDescriptor(int fd, std::string* owner);
void unclaimDescriptor(int fd);

// Closes a registered descriptor and forgets it in one step, so that the
// number cannot be reused and registered by another thread in between.
// Returns 0 or close's errno.
int closeRegistered(int fd);

}  // namespace unix_sockets
