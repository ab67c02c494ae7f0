"""S3 chores on the test server (moto).
Usage: python s3_admin.py create-bucket <endpoint> <bucket>
       python s3_admin.py put <endpoint> <bucket> <key> <local file>"""
import sys

import boto3

if __name__ == "__main__":
    command, endpoint, bucket = sys.argv[1:4]
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    if command == "create-bucket":
        s3.create_bucket(Bucket=bucket)
    elif command == "put":
        key, path = sys.argv[4:6]
        s3.upload_file(path, bucket, key)
    else:
        raise SystemExit(f"unknown command {command}")
