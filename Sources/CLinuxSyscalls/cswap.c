#include <errno.h>
#include <sys/swap.h>
#include "cswap.h"

int cl_swapoff(const char *path) { return swapoff(path) == 0 ? 0 : -errno; }

int cl_swapon(const char *path) { return swapon(path, 0) == 0 ? 0 : -errno; }
