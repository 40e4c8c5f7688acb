"""What Allegro must hear of a sales order (status, tracking numbers, invoices): rows written
in the transaction of the change, carried out by idempotent jobs."""
