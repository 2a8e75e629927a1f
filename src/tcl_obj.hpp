// Copyright 2026 the unix_sockets authors. SPDX-License-Identifier: TCL (see license.terms)
// ObjRef: holds one reference to a Tcl_Obj for as long as it lives.
#pragma once

#include "tcl_compat.hpp"

#include <utility>

namespace unix_sockets {

class ObjRef {
public:
    ObjRef() noexcept = default;
    // Takes a reference of its own, so a fresh object (refcount 0) is freed
    // with the holder and a shared one is left to its other owners.
    explicit ObjRef(Tcl_Obj* obj) noexcept : obj_(obj) {
        if (obj_ != nullptr) Tcl_IncrRefCount(obj_);
    }
    ObjRef(ObjRef&& other) noexcept : obj_(std::exchange(other.obj_, nullptr)) {}
    ObjRef& operator=(ObjRef&& other) noexcept {
        std::swap(obj_, other.obj_);
        return *this;
    }
    ObjRef(const ObjRef&) = delete;
    ObjRef& operator=(const ObjRef&) = delete;
    ~ObjRef() { reset(); }

    Tcl_Obj* get() const noexcept { return obj_; }
    void reset() noexcept {
        if (obj_ != nullptr) Tcl_DecrRefCount(obj_);
        obj_ = nullptr;
    }

private:
    Tcl_Obj* obj_ = nullptr;
};

}  // namespace unix_sockets
