"""Creates a bucket on the test S3 server (moto). Usage: python s3_admin.py create-bucket <endpoint> <bucket>"""
import sys

import boto3

if __name__ == "__main__":
    command, endpoint, bucket = sys.argv[1:4]
    assert command == "create-bucket", command
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
