#!/usr/bin/env node
// Validate APL documents with Amazon's apl-suggester and print every finding as JSON.
//
// Usage: node validate.js FILE.json   (or the JSON on standard input)
// FILE.json maps a name to {"document": {...}, "datasources": {...}}; the output maps
// each name to a list of findings {path, level, message}. Exit code 0 when it ran,
// whatever it found (the caller judges), 2 when it could not run.
'use strict';

const fs = require('fs');
const { StaticAplTemplateValidator } = require('apl-suggester');

async function validateOne(item) {
  // One validator per document: validate() rewrites graphic paths in what it is given.
  const validator = new StaticAplTemplateValidator();
  const document = JSON.parse(JSON.stringify(item.document));
  const findings = await validator.validate(document);
  if (item.datasources !== undefined) {
    findings.push(...(await validator.validateDataSources(item.datasources)));
  }
  return findings.map((f) => ({ path: f.path, level: f.level || 'ERROR', message: f.errorMessage }));
}

async function main() {
  const text = fs.readFileSync(process.argv[2] || 0, 'utf8');
  const input = JSON.parse(text);
  const out = {};
  for (const [name, item] of Object.entries(input)) {
    out[name] = await validateOne(item);
  }
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(2);
});
