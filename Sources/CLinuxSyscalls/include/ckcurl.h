#ifndef CKCURL_H
#define CKCURL_H

/// libcurl, opened at run time (dlopen of libcurl.so.4) so that kreboot does not need it unless a dump goes
/// over ftp or a mail is sent: the easy interface's variadic calls (curl_easy_setopt, curl_easy_getinfo),
/// which Swift cannot make, behind functions of fixed types. The option numbers are libcurl's ABI (curl.h).

/// Option numbers (CURLOPT_*), as in curl.h.
#define CK_CURLOPT_URL                     10002
#define CK_CURLOPT_USERNAME                10173
#define CK_CURLOPT_PASSWORD                10174
#define CK_CURLOPT_UPLOAD                  46
#define CK_CURLOPT_FTP_CREATE_MISSING_DIRS 110
#define CK_CURLOPT_QUOTE                   10028
#define CK_CURLOPT_POSTQUOTE               10039
#define CK_CURLOPT_CONNECTTIMEOUT          78
#define CK_CURLOPT_LOW_SPEED_LIMIT         19
#define CK_CURLOPT_LOW_SPEED_TIME          20
#define CK_CURLOPT_MAIL_FROM               10186
#define CK_CURLOPT_MAIL_RCPT               10187
#define CK_CURLOPT_PROTOCOLS_STR           10318
#define CK_CURLOPT_USE_SSL                 119
#define CK_CURLOPT_SASL_IR                 218
#define CK_CURLOPT_TIMEOUT                 13
#define CK_CURLOPT_NOBODY                  44

/// CURLFTP_CREATE_DIR_RETRY and CURLUSESSL_TRY, as in curl.h.
#define CK_CURLFTP_CREATE_DIR_RETRY 2
#define CK_CURLUSESSL_TRY 1

/// Opens libcurl (once). Returns 0, or -1 with why in `message` (at most `size` bytes).
int ck_curl_open(char *message, unsigned long size);

/// A new easy handle reading uploads from `fd` (-1: nothing to upload), or NULL. It also keeps the string
/// lists and the error buffer until `ck_curl_free`.
void *ck_curl_new(int fd);

/// curl_easy_setopt with a string (copied by libcurl) or a long. Return libcurl's CURLcode.
int ck_curl_set_string(void *handle, int option, const char *value);
int ck_curl_set_long(void *handle, int option, long value);

/// curl_easy_setopt with a list (QUOTE, POSTQUOTE, MAIL_RCPT) of `count` strings, kept until `ck_curl_free`.
int ck_curl_set_list(void *handle, int option, const char *const *items, int count);

/// curl_easy_perform. Returns the CURLcode; on failure `message` holds libcurl's error text.
int ck_curl_perform(void *handle, char *message, unsigned long size);

/// The bytes uploaded so far (CURLINFO_SIZE_UPLOAD_T), the response code (CURLINFO_RESPONSE_CODE).
long long ck_curl_uploaded(void *handle);
long ck_curl_response_code(void *handle);

/// Whether the upload stopped because reading `fd` failed (its errno, else 0).
int ck_curl_read_errno(void *handle);

/// Frees the handle and what it keeps.
void ck_curl_free(void *handle);

#endif
