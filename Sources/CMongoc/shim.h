/* libmongoc 1.23 (Debian bookworm: apt libmongoc-dev); mongoc.h also brings libbson's bson.h. */
#include <mongoc/mongoc.h>
