/** The one table markup of the console: a caption, column headers (numbers right-aligned), a row per item, an empty note. */
import type { ComponentChildren, VNode } from 'preact';

export interface Column {
  readonly label: string;
  /** Right-aligned (counts, statuses). */
  readonly numeric?: boolean;
  /** Read by screen readers only (an actions column). */
  readonly hidden?: boolean;
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  row,
  empty,
  testId,
}: {
  readonly caption: ComponentChildren;
  readonly columns: readonly Column[];
  readonly rows: readonly T[];
  /** One `<tr>` (with its key) per item. */
  readonly row: (item: T) => VNode;
  /** Said in one row across the table when there are no rows. */
  readonly empty?: string;
  readonly testId?: string;
}) {
  return (
    <table class="table" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.label} scope="col" class={column.numeric ? 'num' : undefined}>
              {column.hidden ? <span class="visually-hidden">{column.label}</span> : column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && empty !== undefined && (
          <tr>
            <td colSpan={columns.length} class="muted">
              {empty}
            </td>
          </tr>
        )}
        {rows.map(row)}
      </tbody>
    </table>
  );
}
