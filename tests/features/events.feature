Feature: The events feed
  Other systems (a merchant's shop, a mobile app, a fraud monitor) learn what happened in the ledger
  from its events feed, instead of asking about every wallet and payment again and again. Each change
  gives one event, in the order the changes happened, and each event shows the payment or the account
  as it was at that moment. A refused request, or the same request sent again, gives no event. A reader
  can follow the feed of one account, or only some kinds of events, and pick up where it left off.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Hotel" in BRL
    And "Alice" receives R$ 100.00 through "Bank"

  Scenario: When a hold expires, the merchant's feed shows it
    Given "Alice" places a hold of R$ 30.00 for "Hotel" that expires after 1 second as hold "stay-1"
    When 2 seconds pass
    Then the feed of "Hotel" shows, in this order:
      | what happened  | about  |
      | account opened | Hotel  |
      | hold placed    | stay-1 |
      | hold expired   | stay-1 |

  Scenario: A captured hold and a refunded payment, in the order they happened
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    And hold "stay-1" is captured for R$ 22.50
    And "Alice" sends R$ 10.00 to "Hotel" as payment "minibar"
    When payment "minibar" is reversed
    Then the feed of "Hotel" shows, in this order:
      | what happened    | about                  |
      | account opened   | Hotel                  |
      | hold placed      | stay-1                 |
      | hold captured    | stay-1                 |
      | payment made     | minibar                |
      | payment made     | the reversal of minibar |
      | payment reversed | minibar                |

  Scenario: A voided hold is told once, however often it is voided
    Given "Alice" places a hold of R$ 30.00 for "Hotel" as hold "stay-1"
    And the feed of "Hotel" has been read up to here
    When hold "stay-1" is voided
    And hold "stay-1" is voided
    Then the feed of "Hotel" since then shows, in this order:
      | what happened | about  |
      | hold voided   | stay-1 |

  Scenario: A refused payment and a repeated one tell nothing new
    Given "Alice" sends R$ 10.00 to "Hotel" as payment "p-1"
    And the feed of "Hotel" has been read up to here
    When "Alice" sends R$ 500.00 to "Hotel"
    Then it is refused: insufficient funds
    When "Alice" sends R$ 10.00 to "Hotel" as payment "p-1"
    Then the answer is the original payment "p-1"
    And the feed of "Hotel" has nothing new

  Scenario: A reader picks up where it left off
    Given "Alice" sends R$ 10.00 to "Hotel" as payment "p-1"
    And the feed of "Alice" has been read up to here
    When "Alice" sends R$ 20.00 to "Hotel" as payment "p-2"
    And "Alice" is frozen
    And "Alice" is unfrozen
    Then the feed of "Alice" since then shows, in this order:
      | what happened    | about |
      | payment made     | p-2   |
      | account frozen   | Alice |
      | account unfrozen | Alice |

  Scenario: A reader can ask for some kinds of events only
    Given "Alice" places a hold of R$ 20.00 for "Hotel" that expires after 1 second as hold "stay-1"
    And "Alice" places a hold of R$ 10.00 for "Hotel" as hold "stay-2"
    And hold "stay-2" is captured
    When 2 seconds pass
    Then the feed's "hold expired" events show, in this order:
      | what happened | about  |
      | hold expired  | stay-1 |
