// The library is built with hidden visibility; only the interposed C functions are exported
// (exports.map lists them, too).
#pragma once

#define SEEKMARK_EXPORT extern "C" __attribute__((visibility("default")))
