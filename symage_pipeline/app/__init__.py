"""What the API and the runs share: the app DB, accounts and keys, the credit ledger, job records,
request intake, pricing and URL signing. Knows nothing of FastAPI or of Dagster."""
