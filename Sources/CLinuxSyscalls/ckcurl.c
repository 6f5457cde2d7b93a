#include "ckcurl.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// libcurl's types, as far as this file needs them (curl.h: CURL is opaque, CURLcode an int enum).
typedef void CURL;
struct curl_slist;
typedef int (*easy_setopt_fn)(CURL *, int, ...);
typedef int (*easy_getinfo_fn)(CURL *, int, ...);
typedef CURL *(*easy_init_fn)(void);
typedef int (*easy_perform_fn)(CURL *);
typedef void (*easy_cleanup_fn)(CURL *);
typedef struct curl_slist *(*slist_append_fn)(struct curl_slist *, const char *);
typedef void (*slist_free_fn)(struct curl_slist *);
typedef const char *(*easy_strerror_fn)(int);
typedef int (*global_init_fn)(long);

#define CK_CURLOPT_READFUNCTION 20012
#define CK_CURLOPT_READDATA     10009
#define CK_CURLOPT_ERRORBUFFER  10010
#define CK_CURLOPT_NOSIGNAL     99
#define CK_CURLOPT_WRITEFUNCTION 20011
#define CK_CURLINFO_RESPONSE_CODE (0x200000 + 2)
#define CK_CURLINFO_SIZE_UPLOAD_T (0x600000 + 7)
#define CK_CURL_READFUNC_ABORT 0x10000000
#define CK_CURL_GLOBAL_ALL 3
#define CK_CURL_ERROR_SIZE 256
#define CK_MAX_LISTS 4

static struct {
    easy_init_fn init;
    easy_setopt_fn setopt;
    easy_getinfo_fn getinfo;
    easy_perform_fn perform;
    easy_cleanup_fn cleanup;
    slist_append_fn slist_append;
    slist_free_fn slist_free;
    easy_strerror_fn strerror;
    char error[256];
    int opened;  // 1: ok, -1: failed
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void open_curl(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(curl.error, sizeof curl.error, "libcurl is not installed (%s)", dlerror());
        curl.opened = -1;
        return;
    }
    global_init_fn global_init = (global_init_fn)dlsym(library, "curl_global_init");
    curl.init = (easy_init_fn)dlsym(library, "curl_easy_init");
    curl.setopt = (easy_setopt_fn)dlsym(library, "curl_easy_setopt");
    curl.getinfo = (easy_getinfo_fn)dlsym(library, "curl_easy_getinfo");
    curl.perform = (easy_perform_fn)dlsym(library, "curl_easy_perform");
    curl.cleanup = (easy_cleanup_fn)dlsym(library, "curl_easy_cleanup");
    curl.slist_append = (slist_append_fn)dlsym(library, "curl_slist_append");
    curl.slist_free = (slist_free_fn)dlsym(library, "curl_slist_free_all");
    curl.strerror = (easy_strerror_fn)dlsym(library, "curl_easy_strerror");
    if (!global_init || !curl.init || !curl.setopt || !curl.getinfo || !curl.perform || !curl.cleanup ||
        !curl.slist_append || !curl.slist_free || !curl.strerror) {
        snprintf(curl.error, sizeof curl.error, "libcurl.so.4 lacks the easy interface");
        curl.opened = -1;
        return;
    }
    if (global_init(CK_CURL_GLOBAL_ALL) != 0) {
        snprintf(curl.error, sizeof curl.error, "curl_global_init failed");
        curl.opened = -1;
        return;
    }
    curl.opened = 1;
}

int ck_curl_open(char *message, unsigned long size) {
    pthread_once(&curl_once, open_curl);
    if (curl.opened == 1) return 0;
    if (message && size) snprintf(message, size, "%s", curl.error);
    return -1;
}

struct handle {
    CURL *easy;
    int fd;
    int read_errno;
    struct curl_slist *lists[CK_MAX_LISTS];
    int list_count;
    char error[CK_CURL_ERROR_SIZE];
};

static size_t read_fd(char *buffer, size_t size, size_t count, void *data) {
    struct handle *h = data;
    for (;;) {
        ssize_t n = read(h->fd, buffer, size * count);
        if (n >= 0) return (size_t)n;
        if (errno == EINTR) continue;
        h->read_errno = errno;
        return CK_CURL_READFUNC_ABORT;
    }
}

// What a transfer downloads (an FTP directory check, a server's banner) is not wanted: dropped.
static size_t discard(char *buffer, size_t size, size_t count, void *data) {
    (void)buffer; (void)data;
    return size * count;
}

void *ck_curl_new(int fd) {
    if (curl.opened != 1) return NULL;
    struct handle *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->easy = curl.init();
    if (!h->easy) { free(h); return NULL; }
    h->fd = fd;
    curl.setopt(h->easy, CK_CURLOPT_ERRORBUFFER, h->error);
    curl.setopt(h->easy, CK_CURLOPT_NOSIGNAL, 1L);
    curl.setopt(h->easy, CK_CURLOPT_WRITEFUNCTION, discard);
    if (fd >= 0) {
        curl.setopt(h->easy, CK_CURLOPT_READFUNCTION, read_fd);
        curl.setopt(h->easy, CK_CURLOPT_READDATA, (void *)h);
    }
    return h;
}

int ck_curl_set_string(void *handle, int option, const char *value) {
    struct handle *h = handle;
    return curl.setopt(h->easy, option, value);
}

int ck_curl_set_long(void *handle, int option, long value) {
    struct handle *h = handle;
    return curl.setopt(h->easy, option, value);
}

int ck_curl_set_list(void *handle, int option, const char *const *items, int count) {
    struct handle *h = handle;
    if (h->list_count >= CK_MAX_LISTS) return 2;  // CURLE_FAILED_INIT
    struct curl_slist *list = NULL;
    for (int i = 0; i < count; i++) {
        struct curl_slist *next = curl.slist_append(list, items[i]);
        if (!next) { curl.slist_free(list); return 27; }  // CURLE_OUT_OF_MEMORY
        list = next;
    }
    h->lists[h->list_count++] = list;
    return curl.setopt(h->easy, option, list);
}

int ck_curl_perform(void *handle, char *message, unsigned long size) {
    struct handle *h = handle;
    h->error[0] = 0;
    int code = curl.perform(h->easy);
    if (code != 0 && message && size) {
        snprintf(message, size, "%s", h->error[0] ? h->error : curl.strerror(code));
    }
    return code;
}

long long ck_curl_uploaded(void *handle) {
    struct handle *h = handle;
    long long bytes = 0;  // curl_off_t is a 64-bit signed integer on Linux
    if (curl.getinfo(h->easy, CK_CURLINFO_SIZE_UPLOAD_T, &bytes) != 0) return -1;
    return bytes;
}

long ck_curl_response_code(void *handle) {
    struct handle *h = handle;
    long code = 0;
    if (curl.getinfo(h->easy, CK_CURLINFO_RESPONSE_CODE, &code) != 0) return -1;
    return code;
}

int ck_curl_read_errno(void *handle) {
    return ((struct handle *)handle)->read_errno;
}

void ck_curl_free(void *handle) {
    struct handle *h = handle;
    if (!h) return;
    curl.cleanup(h->easy);
    for (int i = 0; i < h->list_count; i++) curl.slist_free(h->lists[i]);
    free(h);
}
