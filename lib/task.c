/* task.c -- skeleton; see task.h (work in progress) */
#include "util.h"
