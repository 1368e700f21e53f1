/* See json.h. A recursive-descent parser with a depth limit. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *p;
    int depth;
} parser;

/* A growable byte buffer for decoded strings. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buffer;

static int buf_push(buffer *b, char c)
{
    if (b->len + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        char *data = realloc(b->data, cap);
        if (data == NULL) {
            return 0;
        }
        b->data = data;
        b->cap = cap;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 1;
}

static int buf_push_utf8(buffer *b, unsigned long cp)
{
    if (cp < 0x80) {
        return buf_push(b, (char)cp);
    }
    if (cp < 0x800) {
        return buf_push(b, (char)(0xC0 | (cp >> 6))) && buf_push(b, (char)(0x80 | (cp & 0x3F)));
    }
    if (cp < 0x10000) {
        return buf_push(b, (char)(0xE0 | (cp >> 12)))
            && buf_push(b, (char)(0x80 | ((cp >> 6) & 0x3F)))
            && buf_push(b, (char)(0x80 | (cp & 0x3F)));
    }
    return buf_push(b, (char)(0xF0 | (cp >> 18)))
        && buf_push(b, (char)(0x80 | ((cp >> 12) & 0x3F)))
        && buf_push(b, (char)(0x80 | ((cp >> 6) & 0x3F)))
        && buf_push(b, (char)(0x80 | (cp & 0x3F)));
}

static void skip_ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') {
        ps->p++;
    }
}

static int hex4(const char *s, unsigned long *out)
{
    unsigned long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned long)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned long)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (unsigned long)(c - 'A' + 10);
        } else {
            return 0;
        }
    }
    *out = v;
    return 1;
}

/* Parses a string literal at ps->p (which points at '"'); returns a malloc'd
 * UTF-8 string or NULL. */
static char *parse_string(parser *ps)
{
    buffer b = { NULL, 0, 0 };
    if (*ps->p != '"' || !buf_push(&b, 'x')) {
        free(b.data);
        return NULL;
    }
    b.len = 0;
    b.data[0] = '\0';
    ps->p++;
    for (;;) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            return b.data;
        }
        if (c < 0x20) { /* includes the terminating NUL: unterminated string */
            break;
        }
        if (c != '\\') {
            if (!buf_push(&b, (char)c)) {
                break;
            }
            ps->p++;
            continue;
        }
        ps->p++;
        c = (unsigned char)*ps->p++;
        if (c == 'u') {
            unsigned long cp;
            if (!hex4(ps->p, &cp)) {
                break;
            }
            ps->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned long lo;
                if (ps->p[0] != '\\' || ps->p[1] != 'u' || !hex4(ps->p + 2, &lo)
                    || lo < 0xDC00 || lo > 0xDFFF) {
                    break;
                }
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                break;
            }
            if (cp == 0 || !buf_push_utf8(&b, cp)) {
                break;
            }
            continue;
        }
        {
            char out;
            switch (c) {
            case '"': out = '"'; break;
            case '\\': out = '\\'; break;
            case '/': out = '/'; break;
            case 'b': out = '\b'; break;
            case 'f': out = '\f'; break;
            case 'n': out = '\n'; break;
            case 'r': out = '\r'; break;
            case 't': out = '\t'; break;
            default: free(b.data); return NULL;
            }
            if (!buf_push(&b, out)) {
                break;
            }
        }
    }
    free(b.data);
    return NULL;
}

static json_value *new_value(json_kind kind)
{
    json_value *v = calloc(1, sizeof *v);
    if (v != NULL) {
        v->kind = kind;
    }
    return v;
}

static int append(json_value *v, char *key, json_value *item)
{
    json_value **items = realloc(v->items, (v->len + 1) * sizeof *items);
    if (items == NULL) {
        return 0;
    }
    v->items = items;
    if (v->kind == JSON_OBJECT) {
        char **keys = realloc(v->keys, (v->len + 1) * sizeof *keys);
        if (keys == NULL) {
            return 0;
        }
        v->keys = keys;
        v->keys[v->len] = key;
    }
    v->items[v->len++] = item;
    return 1;
}

static json_value *parse_value(parser *ps);

static json_value *parse_container(parser *ps, json_kind kind)
{
    const char close = kind == JSON_OBJECT ? '}' : ']';
    json_value *v = new_value(kind);
    if (v == NULL || ++ps->depth > JSON_MAX_DEPTH) {
        json_free(v);
        return NULL;
    }
    ps->p++; /* '{' or '[' */
    skip_ws(ps);
    if (*ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        json_value *item;
        if (kind == JSON_OBJECT) {
            skip_ws(ps);
            key = parse_string(ps);
            if (key == NULL) {
                break;
            }
            skip_ws(ps);
            if (*ps->p != ':') {
                free(key);
                break;
            }
            ps->p++;
        }
        item = parse_value(ps);
        if (item == NULL || !append(v, key, item)) {
            free(key);
            json_free(item);
            break;
        }
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        break;
    }
    json_free(v);
    return NULL;
}

static json_value *parse_number(parser *ps)
{
    const char *start = ps->p;
    char *end;
    json_value *v;
    /* Validate the RFC 8259 grammar, then let strtod convert it. */
    if (*ps->p == '-') {
        ps->p++;
    }
    if (*ps->p == '0') {
        ps->p++;
    } else if (*ps->p >= '1' && *ps->p <= '9') {
        while (*ps->p >= '0' && *ps->p <= '9') {
            ps->p++;
        }
    } else {
        return NULL;
    }
    if (*ps->p == '.') {
        ps->p++;
        if (!(*ps->p >= '0' && *ps->p <= '9')) {
            return NULL;
        }
        while (*ps->p >= '0' && *ps->p <= '9') {
            ps->p++;
        }
    }
    if (*ps->p == 'e' || *ps->p == 'E') {
        ps->p++;
        if (*ps->p == '+' || *ps->p == '-') {
            ps->p++;
        }
        if (!(*ps->p >= '0' && *ps->p <= '9')) {
            return NULL;
        }
        while (*ps->p >= '0' && *ps->p <= '9') {
            ps->p++;
        }
    }
    v = new_value(JSON_NUMBER);
    if (v != NULL) {
        v->number = strtod(start, &end);
    }
    return v;
}

static json_value *parse_literal(parser *ps, const char *word, json_kind kind, int boolean)
{
    size_t n = strlen(word);
    json_value *v;
    if (strncmp(ps->p, word, n) != 0) {
        return NULL;
    }
    ps->p += n;
    v = new_value(kind);
    if (v != NULL) {
        v->boolean = boolean;
    }
    return v;
}

static json_value *parse_value(parser *ps)
{
    skip_ws(ps);
    switch (*ps->p) {
    case '{':
        return parse_container(ps, JSON_OBJECT);
    case '[':
        return parse_container(ps, JSON_ARRAY);
    case '"': {
        char *s = parse_string(ps);
        json_value *v = s != NULL ? new_value(JSON_STRING) : NULL;
        if (v == NULL) {
            free(s);
            return NULL;
        }
        v->string = s;
        return v;
    }
    case 't':
        return parse_literal(ps, "true", JSON_BOOL, 1);
    case 'f':
        return parse_literal(ps, "false", JSON_BOOL, 0);
    case 'n':
        return parse_literal(ps, "null", JSON_NULL, 0);
    default:
        return parse_number(ps);
    }
}

json_value *json_parse(const char *text)
{
    parser ps;
    json_value *v;
    if (text == NULL) {
        return NULL;
    }
    ps.p = text;
    ps.depth = 0;
    v = parse_value(&ps);
    if (v == NULL) {
        return NULL;
    }
    skip_ws(&ps);
    if (*ps.p != '\0') { /* trailing garbage */
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(json_value *v)
{
    size_t i;
    if (v == NULL) {
        return;
    }
    for (i = 0; i < v->len; i++) {
        json_free(v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const json_value *json_get(const json_value *obj, const char *key)
{
    size_t i;
    if (obj == NULL || obj->kind != JSON_OBJECT) {
        return NULL;
    }
    for (i = 0; i < obj->len; i++) {
        if (strcmp(obj->keys[i], key) == 0) {
            return obj->items[i];
        }
    }
    return NULL;
}

const json_value *json_at(const json_value *arr, size_t i)
{
    if (arr == NULL || arr->kind != JSON_ARRAY || i >= arr->len) {
        return NULL;
    }
    return arr->items[i];
}

const char *json_str(const json_value *v)
{
    return v != NULL && v->kind == JSON_STRING ? v->string : NULL;
}

size_t json_array_len(const json_value *v)
{
    return v != NULL && v->kind == JSON_ARRAY ? v->len : (size_t)-1;
}
