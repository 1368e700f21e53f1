/* A minimal JSON reader (RFC 8259) for the C harness: parses a document into
 * a tree so the harness can check plans and error envelopes by structure
 * rather than by substring. Not a general-purpose library: no streaming, no
 * number precision beyond double, strings decoded to UTF-8 (\u0000 rejected). */
#ifndef WHEEL_RESOLVER_TEST_JSON_H
#define WHEEL_RESOLVER_TEST_JSON_H

#include <stddef.h>

typedef enum {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_kind;

typedef struct json_value json_value;

struct json_value {
    json_kind kind;
    int boolean;             /* JSON_BOOL */
    double number;           /* JSON_NUMBER */
    char *string;            /* JSON_STRING: NUL-terminated UTF-8 */
    size_t len;              /* JSON_ARRAY, JSON_OBJECT: number of items */
    json_value **items;      /* JSON_ARRAY, JSON_OBJECT: the values */
    char **keys;             /* JSON_OBJECT: the keys, parallel to items */
};

/* Parses `text` (NUL-terminated). Returns NULL on malformed input or when out
 * of memory; the tree is released with json_free(). */
json_value *json_parse(const char *text);

/* Frees a tree returned by json_parse(). NULL is a no-op. */
void json_free(json_value *v);

/* The value of `key` in object `obj`, or NULL (also when `obj` is not an object). */
const json_value *json_get(const json_value *obj, const char *key);

/* Item `i` of array `arr`, or NULL. */
const json_value *json_at(const json_value *arr, size_t i);

/* The string of `v` if it is a JSON string, else NULL. */
const char *json_str(const json_value *v);

/* The length of array `v`, or (size_t)-1 if it is not an array. */
size_t json_array_len(const json_value *v);

#endif /* WHEEL_RESOLVER_TEST_JSON_H */
