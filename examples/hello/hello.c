/* The bundled example: a program that bakes its build time and path in. */
#include <stdio.h>

#include "greet.h"

int
main(void)
{
	greet("cleanroom");
	printf("built %s %s from %s\n", __DATE__, __TIME__, __FILE__);
	return 0;
}
