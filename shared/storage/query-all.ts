import { paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Every item a query matches, page after page (DynamoDB returns at most 1 MB a page). */
export async function* queryItems<T>(db: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<T> {
  for await (const page of paginateQuery({ client: db }, input)) {
    for (const item of page.Items ?? []) yield item as T;
  }
}

/** `queryItems` collected into an array, for result sets known to be small (a team's submissions). */
export async function queryAll<T>(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  for await (const item of queryItems<T>(db, input)) items.push(item);
  return items;
}
