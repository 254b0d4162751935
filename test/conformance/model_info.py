"""Prints what a botocore copy's models of Marketplace Metering and the Entitlement Service hold, as JSON.

Usage: python model_info.py botocore            (boto3 and AWS CLI v1)
       /usr/bin/python3 model_info.py awscli.botocore   (Debian's AWS CLI v2, which vendors botocore)
"""
import importlib
import json
import sys

package = sys.argv[1] if len(sys.argv) > 1 else 'botocore'
session_module = importlib.import_module(package + '.session')
session = session_module.Session()
models = [session.get_service_model(name) for name in ('meteringmarketplace', 'marketplace-entitlement')]

shapes = {}


def walk(shape):
    if shape is None or shape.name in shapes:
        return
    if shape.type_name == 'structure':
        shapes[shape.name] = {
            'members': list(shape.members),
            'required': list(shape.required_members),
        }
        for member in shape.members.values():
            walk(member)
    elif shape.type_name == 'list':
        walk(shape.member)


errors = {}
for model in models:
    for name in model.operation_names:
        operation = model.operation_model(name)
        errors[name] = [e.name for e in operation.error_shapes]
        walk(operation.input_shape)
        walk(operation.output_shape)

if package == 'botocore':
    import botocore
    version = botocore.__version__
else:
    import awscli
    version = awscli.__version__

print(json.dumps({'package': package, 'version': version, 'errors': errors, 'shapes': shapes}))
