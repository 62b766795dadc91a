@postgres_only
Feature: Merchants are told at their own server
  A merchant does not have to keep asking the ledger what happened: it gives us the address of its
  server and the kinds of events it cares about, and the ledger sends it a message for each one that
  concerns its own account, in the order they happened. Each message is signed with a secret only the
  merchant and the ledger know, so the merchant can check it came from us and was not changed on the
  way. A server that is down misses nothing: the ledger tries again later, and the merchant is told
  once it is back.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Hotel" in BRL
    And a customer wallet "Shop" in BRL
    And "Alice" receives R$ 100.00 through "Bank"

  Scenario: When a hold expires, the merchant is told
    Given the merchant "Hotel" is told of "hold placed" and "hold expired" events at its server
    And "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 1 second as hold "stay-1"
    When 2 seconds pass
    Then the server of "Hotel" has been told, in this order:
      | what happened | about  |
      | hold placed   | stay-1 |
      | hold expired  | stay-1 |

  Scenario: A merchant subscribed only to expiries is not told of payments
    Given the merchant "Hotel" is told of "hold expired" events at its server
    When "Alice" sends R$ 10.00 to "Hotel" as payment "minibar"
    And "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    And hold "stay-1" is captured
    Then the server of "Hotel" has been told nothing

  Scenario: A merchant is told only of what concerns its own account
    Given the merchant "Hotel" is told of "payment made" events at its server
    When "Alice" sends R$ 10.00 to "Shop" as payment "coffee"
    And "Alice" sends R$ 20.00 to "Hotel" as payment "minibar"
    Then the server of "Hotel" has been told, in this order:
      | what happened | about   |
      | payment made  | minibar |

  Scenario: A merchant whose server was down is told once it is back
    Given the merchant "Hotel" is told of "payment made" events at its server
    And the server of "Hotel" is down
    When "Alice" sends R$ 10.00 to "Hotel" as payment "minibar"
    And "Alice" sends R$ 5.00 to "Hotel" as payment "breakfast"
    Then the server of "Hotel" has been told nothing
    And the server of "Hotel" was tried while it was down
    When the server of "Hotel" is back
    And a minute later the ledger tries again
    Then the server of "Hotel" has been told, in this order:
      | what happened | about     |
      | payment made  | minibar   |
      | payment made  | breakfast |

  Scenario: A merchant can check that the message came from us
    Given the merchant "Hotel" is told of "payment made" events at its server
    When "Alice" sends R$ 10.00 to "Hotel" as payment "minibar"
    Then the server of "Hotel" has been told, in this order:
      | what happened | about   |
      | payment made  | minibar |
    And "Hotel" can check with its secret that every message came from the ledger
    And a message to "Hotel" whose content was changed fails that check
