// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* mapsize objects FILE: the BPF objects an executable or shared library
 * embeds (libbpf skeletons, Go's go:embed), each usable as --object
 * FILE:NAME (issue 17 item 3). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/kernel/object_embedded.h"
#include "mapsize.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mapsize objects FILE [--format table|json]\n\n"
		"Lists the BPF objects (EM_BPF ELF images) embedded in the executable or shared\n"
		"library FILE: name (the skeleton's object name where it can be told, else objN),\n"
		"offset and size in bytes.  Every --object takes FILE:NAME to pick one; a FILE\n"
		"embedding exactly one is used as it is.\n"
		"Exit status: 0 success, 2 usage or input error, 1 other failure.\n");
}

int do_objects(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL },
	};
	enum output_format format = FORMAT_TABLE;
	struct object_embedded *e;
	struct mapsize_error err;
	const char *file;
	size_t nr;
	int opt, f, ret;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			f = FORMAT_PARSE(optarg, FORMAT_TABLE, FORMAT_JSON);
			if (f < 0)
				return 2;
			format = (enum output_format)f;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "see: mapsize objects --help\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "error: mapsize objects expects exactly one FILE (an executable or shared "
			"library), found %d arguments\nsee: mapsize objects --help\n", argc - optind);
		return 2;
	}
	file = argv[optind];
	ret = object_embedded__list_file(file, &e, &nr, &err);
	if (ret) {
		print_error(&err);
		return ret == -ENOMEM ? 1 : 2;
	}
	if (format == FORMAT_JSON) {
		jv_t *root = jv_root(), *a = jv_array();

		jv_object_set_new(root, "file", jv_string(file));
		for (size_t i = 0; i < nr; i++) {
			jv_t *o = jv_object();

			jv_object_set_new(o, "name", jv_string(e[i].name));
			jv_object_set_new(o, "offset", jv_u64(e[i].offset));
			jv_object_set_new(o, "size", jv_u64(e[i].size));
			jv_array_append_new(a, o);
		}
		jv_object_set_new(root, "objects", a);
		ret = print_json(root);
	} else {
		printf("%-32s %12s %12s\n", "NAME", "OFFSET", "SIZE");
		for (size_t i = 0; i < nr; i++)
			printf("%-32s %12llu %12llu\n", e[i].name, (unsigned long long)e[i].offset,
			       (unsigned long long)e[i].size);
		printf("\n%s: %zu embedded BPF object%s%s\n", file, nr, nr == 1 ? "" : "s",
		       nr == 1 ? " (--object FILE uses it as it is)" : nr ? " (--object FILE:NAME picks one)" : "");
	}
	free(e);
	return ret;
}
