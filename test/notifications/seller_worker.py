"""A seller's notification worker, written the way AWS's SaaS samples write one, with boto3.

It polls an SQS queue (subscribed to a Marketplace SNS topic, or the target of an EventBridge rule),
waits for the messages a step expects, and calls meterd as the seller calls AWS: ResolveCustomer,
GetEntitlements, BatchMeterUsage. The test (notifications/queues.test.ts) drives it step by step:

    python3 seller_worker.py '<json>'

with {"step": ..., "meterd": URL, "sqs": moto's URL, "queueUrl": ..., ...}; it prints one JSON
line with what it saw and what meterd answered.
"""
import json
import sys
import time
from datetime import datetime, timezone

import boto3

SELLER = dict(aws_access_key_id='AKIAMETERDSELLER0001', aws_secret_access_key='meterd-demo-seller-secret')


def clients(args):
    sqs = boto3.client('sqs', endpoint_url=args['sqs'], region_name='us-east-1',
                       aws_access_key_id='moto', aws_secret_access_key='moto')
    metering = boto3.client('meteringmarketplace', endpoint_url=args['meterd'], region_name='us-east-1', **SELLER)
    entitlement = boto3.client('marketplace-entitlement', endpoint_url=args['meterd'], region_name='us-east-1', **SELLER)
    return sqs, metering, entitlement


# Messages read (and deleted) but not yet asked for: a later receive() looks at them first.
unclaimed = []


def receive(sqs, queue_url, wanted, timeout=20):
    """Reads the queue until `wanted(body)` is true for a message; deletes what it reads."""
    deadline = time.time() + timeout
    seen = []
    while True:
        for body in list(unclaimed):
            if wanted(body):
                unclaimed.remove(body)
                return body, seen
        if time.time() > deadline:
            raise SystemExit(json.dumps({'error': 'timed out', 'seen': seen}))
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in answer.get('Messages', []):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message['ReceiptHandle'])
            body = json.loads(message['Body'])
            seen.append(body)
            unclaimed.append(body)


def sns_action(body):
    """What the subscription topic said: the SNS envelope's Message, itself JSON (sample subscription-sqs.js)."""
    return json.loads(body['Message'])


def now(args):
    """meterd's clock, which the test moves (the final-metering hour), as the test read it."""
    return datetime.fromtimestamp(args['nowMs'] / 1000, timezone.utc)


def step_sns_onboard(args):
    sqs, metering, entitlement = clients(args)
    resolved = metering.resolve_customer(RegistrationToken=args['token'])
    customer = resolved['CustomerIdentifier']
    body, seen = receive(sqs, args['queueUrl'],
                         lambda b: sns_action(b)['action'] == 'subscribe-success' and sns_action(b)['customer-identifier'] == customer)
    entitlements = entitlement.get_entitlements(ProductCode=resolved['ProductCode'],
                                                Filter={'CUSTOMER_IDENTIFIER': [customer]})
    metered = metering.batch_meter_usage(ProductCode=resolved['ProductCode'], UsageRecords=[
        {'CustomerIdentifier': customer, 'Dimension': 'users', 'Quantity': 5, 'Timestamp': now(args)}])
    return {'customer': customer, 'envelope': body, 'message': sns_action(body), 'seen': len(seen),
            'entitlements': len(entitlements['Entitlements']),
            'metered': [r['Status'] for r in metered['Results']], 'unprocessed': len(metered['UnprocessedRecords'])}


def step_sns_offboard(args):
    sqs, metering, _ = clients(args)
    customer = args['customer']
    body, _ = receive(sqs, args['queueUrl'],
                      lambda b: sns_action(b)['action'] == 'unsubscribe-pending' and sns_action(b)['customer-identifier'] == customer)
    # The final hour: what was used before the unsubscribe is still accepted.
    final = metering.batch_meter_usage(ProductCode=args['productCode'], UsageRecords=[
        {'CustomerIdentifier': customer, 'Dimension': 'api_calls', 'Quantity': 7, 'Timestamp': now(args)}])
    return {'message': sns_action(body), 'final': [r['Status'] for r in final['Results']]}


def step_sns_closed(args):
    sqs, metering, _ = clients(args)
    customer = args['customer']
    body, _ = receive(sqs, args['queueUrl'],
                      lambda b: sns_action(b)['action'] == 'unsubscribe-success' and sns_action(b)['customer-identifier'] == customer)
    late = metering.batch_meter_usage(ProductCode=args['productCode'], UsageRecords=[
        {'CustomerIdentifier': customer, 'Dimension': 'users', 'Quantity': 1, 'Timestamp': now(args)}])
    return {'message': sns_action(body), 'late': [r['Status'] for r in late['Results']]}


def step_eventbridge_onboard(args):
    sqs, metering, entitlement = clients(args)
    resolved = metering.resolve_customer(RegistrationToken=args['token'])
    account, license_arn = resolved['CustomerAWSAccountId'], resolved['LicenseArn']
    created, _ = receive(sqs, args['queueUrl'], lambda b: b['detail-type'] == 'Purchase Agreement Created - Proposer'
                         and b['detail']['acceptor']['accountId'] == account)
    updated, _ = receive(sqs, args['queueUrl'], lambda b: b['detail-type'] == 'License Updated - Manufacturer'
                         and b['detail']['license']['arn'] == license_arn)
    entitlements = entitlement.get_entitlements(ProductCode=resolved['ProductCode'],
                                                Filter={'CUSTOMER_AWS_ACCOUNT_ID': [account]})
    metered = metering.batch_meter_usage(UsageRecords=[
        {'CustomerAWSAccountId': account, 'LicenseArn': license_arn, 'Dimension': 'users', 'Quantity': 2, 'Timestamp': now(args)}])
    return {'account': account, 'licenseArn': license_arn, 'created': created, 'updated': updated,
            'entitlements': entitlements['Entitlements'], 'metered': [r['Status'] for r in metered['Results']]}


def step_eventbridge_offboard(args):
    sqs, metering, _ = clients(args)
    ended, _ = receive(sqs, args['queueUrl'], lambda b: b['detail-type'] == 'Purchase Agreement Ended - Proposer'
                       and b['detail']['agreement']['id'] == args['agreementId'])
    deprovisioned, _ = receive(sqs, args['queueUrl'], lambda b: b['detail-type'] == 'License Deprovisioned - Manufacturer'
                               and b['detail']['license']['arn'] == args['licenseArn'])
    final = metering.batch_meter_usage(UsageRecords=[
        {'CustomerAWSAccountId': args['account'], 'LicenseArn': args['licenseArn'], 'Dimension': 'api_calls', 'Quantity': 1,
         'Timestamp': now(args)}])
    return {'ended': ended, 'deprovisioned': deprovisioned, 'final': [r['Status'] for r in final['Results']]}


def step_confirm_with_sns_api(args):
    """An endpoint that confirms with the SNS API (ConfirmSubscription) pointed at meterd's /sns/."""
    sns = boto3.client('sns', endpoint_url=args['snsEndpoint'], region_name='us-east-1',
                       aws_access_key_id='any', aws_secret_access_key='any')
    return sns.confirm_subscription(TopicArn=args['topicArn'], Token=args['token'])['SubscriptionArn']


STEPS = {name[len('step_'):]: f for name, f in globals().items() if name.startswith('step_')}

if __name__ == '__main__':
    request = json.loads(sys.argv[1])
    print(json.dumps({'result': STEPS[request['step']](request)}, default=str))
