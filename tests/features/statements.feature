Feature: Importing bank statements
  The bank sends what it saw happen on our bank account: a statement, as a camt.053 file, an MT940, an
  OFX or a CSV export. We keep it, line by line, on the ledger account that mirrors the bank account, so
  that it can be matched against our books. A statement is kept exactly as the bank said it (amounts to
  the cent, never rounded); the same file sent twice is kept once; a line another file already brought is
  not kept twice; and a file with anything wrong in it is refused as a whole, saying where.

  Background:
    Given a settlement account "Bank" in BRL

  Scenario: A camt.053 statement is kept with its balances and its lines, the bank fee included
    When the bank's statement "camt053.xml" is imported into "Bank" as camt.053
    Then "Bank" has 1 bank statement with 10 lines
    And the statement opens at R$ 15230.00 and closes at R$ 22950.75
    And the statement's lines include:
      | line | way       | amount     | description                       |
      | 1    | money in  | R$ 1500.00 | Pagamento fatura INV-2025-0311    |
      | 7    | money out | R$ 45.90   | Tarifa pacote de servicos 03/2025 |

  Scenario: Importing the same statement twice imports it once
    When the bank's statement "camt053.xml" is imported into "Bank" as camt.053
    And the bank's statement "camt053.xml" is imported into "Bank" as camt.053 again
    Then the second import gave back the first statement
    And "Bank" has 1 bank statement with 10 lines

  Scenario: Lines another file already brought are not kept twice, and are counted
    Given the bank's statement "camt053.xml" was imported into "Bank" as camt.053
    When the bank's CSV export "statement.csv" is imported into "Bank" with the mapping "csv-mapping.json"
    Then the last statement kept 0 lines and skipped 4

  Scenario: MT940 and OFX files are kept the same way
    When the bank's statement "mt940.sta" is imported into "Bank" as MT940
    And the bank's statement "statement.ofx" is imported into "Bank" as OFX
    Then "Bank" has 2 bank statements with 9 lines

  Scenario: A statement in another currency than the account's is refused
    Given a settlement account "Dollars" in USD
    When the bank's statement "camt053.xml" is imported into "Dollars" as camt.053
    Then it is refused: the currencies do not match
    And "Dollars" has no bank statement

  Scenario: A closed account takes no statements
    Given "Bank" is closed
    When the bank's statement "camt053.xml" is imported into "Bank" as camt.053
    Then it is refused: the account is not active

  Scenario: An amount with more decimals than the currency has refuses the whole file
    When the bank's statement "camt053.xml" with "45.90" written as "45.905" is imported into "Bank" as camt.053
    Then the file is refused at "lines[7].amount"
    And "Bank" has no bank statement

  Scenario: A file that is not what it says is refused
    When the bank's statement "mt940.sta" is imported into "Bank" as camt.053
    Then the file is refused at "file"
