"""boto3 driver of the conformance suite (test/conformance/conformance.test.ts).

Reads one JSON request per line on stdin: {"url": meterd's URL, "case": a Case (see cases.ts)}, runs
the case's steps with boto3 and prints one JSON line: {"outcomes": [...]} (one outcome per step).

An expected modeled error is caught as the client's own exception class
(``except client.exceptions.DuplicateRequestException``), so a mapping to anything else, a generic
ClientError included, reports what it really was and fails the case.

The retry mode is the process's: botocore's default (legacy), or AWS_RETRY_MODE=standard. With
METERD_CBOR_ONLY=1 the Entitlement Service speaks Smithy RPC v2 CBOR: the driver hands botocore a
copy of botocore's own model of it that lists CBOR as its only protocol.
"""
import json
import os
import re
import sys
import tempfile
from datetime import datetime, timezone


def cbor_only_models():
    """A data folder with botocore's own Entitlement Service model, CBOR as its only protocol."""
    from botocore.loaders import Loader
    folder = tempfile.mkdtemp(prefix='meterd-cbor-model-')
    loader = Loader()
    for kind in ('service-2', 'paginators-1'):
        model = loader.load_service_model('marketplace-entitlement', kind)
        if kind == 'service-2':
            model['metadata']['protocols'] = ['smithy-rpc-v2-cbor']
            model['metadata']['protocol'] = 'smithy-rpc-v2-cbor'
        target = os.path.join(folder, 'marketplace-entitlement', '2017-01-11')
        os.makedirs(target, exist_ok=True)
        with open(os.path.join(target, kind + '.json'), 'w') as f:
            json.dump(model, f)
    return folder


if os.environ.get('METERD_CBOR_ONLY') == '1':
    os.environ['AWS_DATA_PATH'] = cbor_only_models()

import boto3  # noqa: E402  (after AWS_DATA_PATH is set)
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, ParamValidationError  # noqa: E402

SERVICES = {'GetEntitlements': 'marketplace-entitlement'}

ENV_ENDPOINT = 'AWS_ENDPOINT_URL_MARKETPLACE_METERING'


class NeverRaised(Exception):
    """Stands for the expected modeled class when the step expects none."""


class LeftTheMachine(Exception):
    """Raised instead of sending a request anywhere but meterd (no traffic leaves the machine)."""

    def __init__(self, target):
        super().__init__(target)
        self.target = target


def guard(request, **_):
    host = re.sub(r'^[a-z]+://', '', request.url).split('/')[0]
    if not host.startswith('127.0.0.1:') and not host.startswith('localhost:'):
        raise LeftTheMachine(host if ':' in host else host + ':443')


def to_wire(value):
    if isinstance(value, dict):
        if set(value) == {'$ts'}:
            return datetime.fromtimestamp(value['$ts'] / 1000, tz=timezone.utc)
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    return value


def normalize(value):
    if isinstance(value, datetime):
        return {'$dt': value.timestamp(), 'via': 'datetime'}
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items() if k != 'ResponseMetadata'}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def snake(name):
    return re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()


def run_step(case, step, url):
    if case['endpoint'] == 'env':
        os.environ[ENV_ENDPOINT] = url
    else:
        os.environ.pop(ENV_ENDPOINT, None)
    retries = {'total_max_attempts': case['maxAttempts']} if case.get('maxAttempts') else {}
    session = boto3.session.Session(
        aws_access_key_id=step['cred']['accessKeyId'],
        aws_secret_access_key=step['cred']['secretAccessKey'],
        region_name=step['region'],
    )
    client = session.client(
        SERVICES.get(step['op'], 'meteringmarketplace'),
        config=Config(user_agent_extra='mcase-' + case['id'], retries=retries),
        **({'endpoint_url': url} if case['endpoint'] == 'arg' else {}),
    )
    client.meta.events.register('before-send', guard)
    call = getattr(client, snake(step['op']))
    params = to_wire(step['params'])
    expect = step['expect']
    # The modeled exception class the step expects, when this client's model has it.
    expected_class = NeverRaised
    if expect['kind'] == 'error':
        expected_class = getattr(client.exceptions, expect['code'], None) or NeverRaised
    try:
        if step.get('paginate'):
            paginator = client.get_paginator(snake(step['op']))
            merged = paginator.paginate(**params, PaginationConfig={'PageSize': step['paginate']}).build_full_result()
            return {'kind': 'success', 'output': normalize(merged)}
        output = call(**params)
        return {
            'kind': 'success',
            'output': normalize(output),
            'clientAttempts': output['ResponseMetadata'].get('RetryAttempts', 0) + 1,
        }
    except expected_class as e:
        return error_outcome(e, 'client.exceptions.' + expect['code'])
    except ClientError as e:
        # Not the expected class: a generic ClientError, or another modeled class.
        name = type(e).__name__
        modeled = name != 'ClientError' and getattr(client.exceptions, name, None) is type(e)
        return error_outcome(e, 'client.exceptions.' + name if modeled else 'ClientError')
    except ParamValidationError as e:
        return {'kind': 'client-side', 'via': 'ParamValidationError', 'message': str(e).strip().split('\n')[-1]}
    except LeftTheMachine as e:
        return {'kind': 'ignored', 'target': e.target}
    except Exception as e:  # noqa: BLE001 - reported, and fails the case
        return {'kind': 'exception', 'via': type(e).__name__, 'message': str(e)}
    finally:
        os.environ.pop(ENV_ENDPOINT, None)
        client.close()


def error_outcome(e, via):
    meta = e.response.get('ResponseMetadata', {})
    return {
        'kind': 'error',
        'code': e.response.get('Error', {}).get('Code', ''),
        'via': via,
        'status': meta.get('HTTPStatusCode'),
        'message': e.response.get('Error', {}).get('Message', ''),
        'clientAttempts': meta.get('RetryAttempts', 0) + 1,
    }


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        case = request['case']
        outcomes = [run_step(case, step, request['url']) for step in case['steps']]
        sys.stdout.write(json.dumps({'id': case['id'], 'outcomes': outcomes}) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
