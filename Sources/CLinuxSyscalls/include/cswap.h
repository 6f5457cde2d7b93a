#ifndef CSWAP_H
#define CSWAP_H

/// swapoff(2). Returns 0, or -errno on failure.
int cl_swapoff(const char *path);

/// swapon(2) with no flags. Returns 0, or -errno on failure.
int cl_swapon(const char *path);

#endif
