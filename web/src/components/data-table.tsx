import type { ReactNode } from 'react';

interface DataTableProps {
  /** Names the scrolling region (and the table, when `caption` is set) for screen readers. */
  label: string;
  /** Column headers, in order. */
  columns: ReactNode[];
  caption?: boolean;
  className?: string;
  /** The body's rows. */
  children: ReactNode;
}

/** A table that scrolls sideways on a phone screen, reachable with the keyboard, with one header row. */
export function DataTable({ label, columns, caption = false, className, children }: DataTableProps) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      <table className={className}>
        {caption && <caption className="visually-hidden">{label}</caption>}
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th scope="col" key={index}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
