/*
 * report_html_style.c - the look shared by report.html and the index page:
 * large type for a projector, PASS and FAIL told apart by a mark and by
 * blue/orange (safe for colour-blind readers), never by colour alone.
 */
#include "report_html_int.h"

#include "report.h"

static const char css[] =
	"body { font-family: sans-serif; font-size: 22px; line-height: 1.4; margin: 1em 2em;"
	" color: #111; background: #fff; }\n"
	"h1 { font-size: 2em; margin: 0.2em 0; }\n"
	"h2 { font-size: 1.5em; margin-top: 1.5em; border-bottom: 3px solid #ccc; }\n"
	"table { border-collapse: collapse; margin: 0.5em 0; }\n"
	"th, td { border: 1px solid #999; padding: 0.2em 0.5em; text-align: left;"
	" vertical-align: top; }\n"
	"th { background: #eee; }\n"
	"td.num { text-align: right; }\n"
	".mono, td.mono { font-family: monospace; font-size: 0.9em; }\n"
	".pass { color: #0050a0; font-weight: bold; white-space: nowrap; }\n"
	".fail { color: #a03c00; font-weight: bold; white-space: nowrap; }\n"
	"tr.failed { background: #ffe8d6; }\n"
	"tr.failed td:first-child { border-left: 8px solid #d55e00; }\n"
	".outcome { font-size: 1.6em; }\n"
	".about { max-width: 50em; }\n"
	".note { color: #444; font-style: italic; }\n"
	"svg { max-width: 100%; height: auto; }\n"
	"div.ladder svg { width: 100%; }\n"
	"td.detail { word-break: break-all; }\n"
	"table.flows { font-size: 0.9em; }\n"
	".nowrap { white-space: nowrap; }\n"
	"details { margin: 0.4em 0; }\n"
	"summary { cursor: pointer; font-weight: bold; }\n";

void html_head(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", out);
	xml_text(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

void html_outcome(FILE *out, bool passed)
{
	fputs(passed ? "<span class=\"pass\">&#10004; PASS</span>" :
		       "<span class=\"fail\">&#10008; FAIL</span>", out);
}
