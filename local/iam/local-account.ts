/** The account and partition the local stack pretends to be in: every ARN of the local IAM evaluation names them. */
export const LOCAL_ACCOUNT_ID = '123456789012';
export const LOCAL_PARTITION = 'aws';
