;; SPDX-License-Identifier: MIT
(module (memory 3))
