#ifndef TRADEGUARD_VISIBILITY_H
#define TRADEGUARD_VISIBILITY_H

#if defined(__GNUC__)
#define TG_API __attribute__((visibility("default")))
#define TG_WUR __attribute__((warn_unused_result))
#else
#define TG_API
#define TG_WUR
#endif

#endif
