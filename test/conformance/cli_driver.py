"""AWS CLI driver of the conformance suite (test/conformance/drivers.ts, cliDriver).

Runs the AWS CLI's own entry point (awscli.clidriver) once per request, in one long-lived Python
process instead of one process per call: the same argument parsing, request, retries, output and
exit code as the `aws` command, without paying the CLI's start-up for every step.

Reads one JSON request per line on stdin: {"args": [...], "env": {...}}. Each call runs with exactly
that environment and prints one JSON line: {"exitCode": rc, "stdout": "...", "stderr": "..."}.
"""
import io
import json
import os
import sys

_before = dict(os.environ)
import awscli.clidriver as clidriver  # noqa: E402  (what it sets in the environment is kept below)

# awscli sets variables of its own when imported (AWS_DATA_PATH: where its CLI data lives); the
# `aws` command has them in every call, so each call here gets them besides the request's own.
CLI_ENV = {k: v for k, v in os.environ.items() if _before.get(k) != v}


def run(args):
    # CLI v2 wraps the driver in an entry point that turns exceptions into exit codes; v1 has none.
    if hasattr(clidriver, 'AWSCLIEntryPoint'):
        return clidriver.AWSCLIEntryPoint().main(args)
    return clidriver.create_clidriver().main(args)


def main():
    protocol_out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        os.environ.clear()
        os.environ.update(request['env'])
        os.environ.update(CLI_ENV)
        stdout = io.TextIOWrapper(io.BytesIO(), encoding='utf-8', write_through=True)
        stderr = io.TextIOWrapper(io.BytesIO(), encoding='utf-8', write_through=True)
        sys.stdout, sys.stderr = stdout, stderr
        sys.argv = ['aws', *request['args']]  # argparse names the program after argv[0] in its messages
        try:
            rc = run(request['args'])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 1
        finally:
            sys.stdout, sys.stderr = protocol_out, sys.__stderr__
        protocol_out.write(json.dumps({
            'exitCode': rc,
            'stdout': stdout.buffer.getvalue().decode('utf-8', 'replace'),
            'stderr': stderr.buffer.getvalue().decode('utf-8', 'replace'),
        }) + '\n')
        protocol_out.flush()


if __name__ == '__main__':
    main()
