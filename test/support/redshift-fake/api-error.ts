/**
 * Data API error answers. awsJson1_1 errors carry the shape name in `__type` and the text in
 * `message`, with the HTTP status of the shape's `smithy.api#httpError` trait
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html, "Operation error serialization";
 * statuses from aws-models/redshift-data.json, as in @aws-sdk/client-redshift-data's errors.d.ts).
 */

/** Every error the fake answers with: the service model's, plus the AWS-wide ThrottlingException. */
export type ErrorName =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ActiveStatementsExceededException'
  | 'ActiveSessionsExceededException'
  | 'ActiveWaitingRequestsExceededException'
  | 'ExecuteStatementException'
  | 'BatchExecuteStatementException'
  | 'DatabaseConnectionException'
  | 'InternalServerException'
  | 'QueryTimeoutException'
  | 'ThrottlingException';

/**
 * `smithy.api#httpError` of each shape. ThrottlingException is not in the model; AWS JSON services
 * send it as a 400 (https://docs.aws.amazon.com/redshift-data/latest/APIReference/CommonErrors.html),
 * and the SDK retries it by name (@smithy/core THROTTLING_ERROR_CODES).
 */
export const ERROR_STATUS: Record<ErrorName, number> = {
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ActiveStatementsExceededException: 400,
  ActiveSessionsExceededException: 400,
  ActiveWaitingRequestsExceededException: 400,
  ExecuteStatementException: 500,
  BatchExecuteStatementException: 500,
  DatabaseConnectionException: 500,
  InternalServerException: 500,
  QueryTimeoutException: 400,
  ThrottlingException: 400,
};

/** A request the fake answers with an error instead of a result. */
export class ApiError extends Error {
  constructor(readonly type: ErrorName, message: string, readonly extra: Record<string, string> = {}) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.type];
  }

  /** The awsJson1_1 error body. */
  body(): Record<string, string> {
    return { __type: this.type, message: this.message, ...this.extra };
  }
}

export function validation(message: string): ApiError {
  return new ApiError('ValidationException', message);
}

export function notFound(message: string, resourceId: string): ApiError {
  return new ApiError('ResourceNotFoundException', message, { ResourceId: resourceId });
}
