// SPDX-License-Identifier: MIT
// Typed host functions: the wasm type is deduced from a C++ callable.
//
//   Function* f = define_host(store, "env.add", [](HostContext&, int32_t a, int64_t b) -> int64_t {
//     return a + b;
//   });
//
// Parameters and results may be int32_t, uint32_t, int64_t, uint64_t, float or double; the
// result may also be void, or HostResult<T> (T or a Trap) to abort the guest.
#pragma once

#include <bit>
#include <tuple>
#include <type_traits>
#include <utility>

#include "wasm/engine.h"

namespace wb::wasm {

template <class T>
using HostResult = Expected<T, Trap>;

namespace host_detail {

template <class T>
constexpr ValType wasm_type_of() {
  if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t>) return ValType::I32;
  else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) return ValType::I64;
  else if constexpr (std::is_same_v<T, float>) return ValType::F32;
  else if constexpr (std::is_same_v<T, double>) return ValType::F64;
  else static_assert(sizeof(T) == 0, "host function types must be int32_t, uint32_t, int64_t, uint64_t, float or double");
}

template <class T>
T from_slot(uint64_t s) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<float>(static_cast<uint32_t>(s));
  else if constexpr (std::is_same_v<T, double>) return std::bit_cast<double>(s);
  else return static_cast<T>(s);
}

template <class T>
uint64_t to_slot(T v) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<uint32_t>(v);
  else if constexpr (std::is_same_v<T, double>) return std::bit_cast<uint64_t>(v);
  else if constexpr (sizeof(T) == 4) return static_cast<uint32_t>(v);
  else return static_cast<uint64_t>(v);
}

template <class R>
struct ResultTraits {  // plain scalar
  static constexpr size_t count = 1;
  static void add_types(std::vector<ValType>& out) { out.push_back(wasm_type_of<R>()); }
  static std::optional<Trap> store(R v, uint64_t* res) {
    res[0] = to_slot(v);
    return std::nullopt;
  }
};
template <>
struct ResultTraits<void> {
  static void add_types(std::vector<ValType>&) {}
};
template <class T>
struct ResultTraits<HostResult<T>> {
  static void add_types(std::vector<ValType>& out) { ResultTraits<T>::add_types(out); }
  static std::optional<Trap> store(HostResult<T>&& r, uint64_t* res) {
    if (!r) return std::move(r.error());
    if constexpr (!std::is_void_v<T>) res[0] = to_slot(r.value());
    return std::nullopt;
  }
};

template <class R, class... A>
struct Signature {
  static FuncType type() {
    FuncType ft;
    (ft.params.push_back(wasm_type_of<A>()), ...);
    ResultTraits<R>::add_types(ft.results);
    return ft;
  }
  template <class F, size_t... I>
  static std::optional<Trap> invoke(F& fn, HostContext& ctx, const uint64_t* args, uint64_t* res,
                                    std::index_sequence<I...>) {
    // All arguments are read (into the call's parameters) before any result is written.
    if constexpr (std::is_void_v<R>) {
      fn(ctx, from_slot<A>(args[I])...);
      return std::nullopt;
    } else {
      return ResultTraits<R>::store(fn(ctx, from_slot<A>(args[I])...), res);
    }
  }
};

template <class M>
struct CallableTraits;
template <class C, class R, class... A>
struct CallableTraits<R (C::*)(HostContext&, A...) const> : Signature<R, A...> {
  static constexpr size_t arity = sizeof...(A);
};
template <class C, class R, class... A>
struct CallableTraits<R (C::*)(HostContext&, A...)> : Signature<R, A...> {
  static constexpr size_t arity = sizeof...(A);
};

}  // namespace host_detail

template <class F>
Function* define_host(Store& store, std::string name, F fn) {
  using Traits = host_detail::CallableTraits<decltype(&F::operator())>;
  return store.create_host_function(
      Traits::type(),
      [fn = std::move(fn)](HostContext& ctx, const uint64_t* args, uint64_t* res) mutable -> std::optional<Trap> {
        return Traits::invoke(fn, ctx, args, res, std::make_index_sequence<Traits::arity>{});
      },
      std::move(name));
}

}  // namespace wb::wasm
