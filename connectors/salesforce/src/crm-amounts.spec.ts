import { crmAmounts } from './crm-amounts';

describe('CRM amounts read back', () => {
  const won = { amount: 'Amount', where: [{ field: 'StageName', values: ['Closed Won'] }] };

  it('takes a currency field as Salesforce answers it: a JSON number, as exact decimal text', () => {
    expect(crmAmounts(won, { Id: '006A', Amount: 249.9, StageName: 'Closed Won' })).toEqual([
      { document: '006A', currency: '', amount: '249.9', rows: 1 },
    ]);
    expect(crmAmounts(won, { Id: '006B', Amount: 0.1 + 0.2, StageName: 'Closed Won' })).toEqual([
      { document: '006B', currency: '', amount: '0.3', rows: 1 },
    ]);
    expect(crmAmounts(won, { Id: '006C', Amount: '1200.50', StageName: 'Closed Won' })).toEqual([
      { document: '006C', currency: '', amount: '1200.5', rows: 1 },
    ]);
    expect(
      crmAmounts(won, { Id: '006D', Amount: 9_999_999_999.99, StageName: 'Closed Won' }),
    ).toEqual([{ document: '006D', currency: '', amount: '9999999999.99', rows: 1 }]);
  });

  it('reads 0 with no rows while a condition does not hold, or without an amount', () => {
    const nothing = [{ document: '006A', currency: '', amount: '0', rows: 0 }];
    expect(crmAmounts(won, { Id: '006A', Amount: 249.9, StageName: 'Closed Lost' })).toEqual(
      nothing,
    );
    expect(crmAmounts(won, { Id: '006A', Amount: null, StageName: 'Closed Won' })).toEqual(nothing);
    expect(crmAmounts(won, { Id: '006A', StageName: 'Closed Won' })).toEqual(nothing);
    const flags = {
      amount: 'Amount',
      where: [
        { field: 'IsWon', values: [true] },
        { field: 'Probability', values: [90, 100] },
      ],
    };
    expect(crmAmounts(flags, { Id: '1', Amount: 5, IsWon: true, Probability: 90 })).toHaveLength(1);
    // A condition compares as the API answers: true is not "true".
    expect(crmAmounts(flags, { Id: '1', Amount: 5, IsWon: 'true', Probability: 90 })).toEqual([
      { document: '1', currency: '', amount: '0', rows: 0 },
    ]);
    expect(crmAmounts(flags, { Id: '1', Amount: 5, IsWon: true, Probability: 50 })[0].rows).toBe(0);
  });

  it("takes the record's currency in a multi-currency org", () => {
    const multi = { amount: 'Amount', currency: 'CurrencyIsoCode', where: [] };
    expect(crmAmounts(multi, { Id: '006A', Amount: 100, CurrencyIsoCode: 'GBP' })).toEqual([
      { document: '006A', currency: 'GBP', amount: '100', rows: 1 },
    ]);
    expect(crmAmounts(multi, { Id: '006A', Amount: 100, CurrencyIsoCode: null })).toEqual([
      { document: '006A', currency: '', amount: '100', rows: 1 },
    ]);
  });
});
