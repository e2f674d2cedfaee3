/* A one-function library, archived with ar by build.sh. */
#ifndef GREET_H
#define GREET_H

void greet(const char *who);

#endif
