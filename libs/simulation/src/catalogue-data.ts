/** The fictional shop the generator simulates: products, campaigns and where visits come from. */

export const SHOP = 'https://shop.example.com';
export const SOURCES = {
  web: SHOP,
  backend: 'https://shop.example.com/backend',
  payments: 'https://payments.example.com',
  warehouse: 'https://wms.example.com',
  erp: 'https://erp.example.com',
  marketing: 'https://ads.example.com',
} as const;

export interface Product {
  id: string;
  name: string;
  category: string;
  price: number; // in cents
}

const CATEGORIES: Record<string, string[]> = {
  coffee: [
    'Espresso machine',
    'Grinder',
    'Milk frother',
    'Tamper',
    'Scale',
    'Kettle',
    'Pour-over set',
    'Beans 1 kg',
  ],
  kitchen: ['Knife set', 'Dutch oven', 'Blender', 'Toaster', 'Cutting board', 'Stand mixer'],
  home: ['Desk lamp', 'Throw blanket', 'Vase', 'Plant pot', 'Wall clock', 'Candle set'],
};

export const PRODUCTS: Product[] = Object.entries(CATEGORIES).flatMap(([category, names], c) =>
  names.map((name, i) => ({
    id: `P-${c + 1}${String(i).padStart(2, '0')}`,
    name,
    category,
    // The espresso machine of the order-12345 story costs 277.67 (249.90 after SPRING10).
    price: c === 0 && i === 0 ? 27767 : 1990 + ((c * 7 + i * 13) % 23) * 1500,
  })),
);

export function product(id: string): Product {
  const found = PRODUCTS.find((p) => p.id === id);
  if (!found) throw new Error(`no product ${id}`);
  return found;
}

export interface Campaign {
  channel: 'paid-search' | 'paid-social' | 'email' | 'display' | 'affiliate';
  utm: { source: string; medium: string; campaign: string };
  dailySpendCents: number;
}

export const CAMPAIGNS: Campaign[] = [
  {
    channel: 'paid-search',
    utm: { source: 'google', medium: 'cpc', campaign: 'spring-espresso' },
    dailySpendCents: 120_000,
  },
  {
    channel: 'paid-search',
    utm: { source: 'bing', medium: 'cpc', campaign: 'brand' },
    dailySpendCents: 20_000,
  },
  {
    channel: 'paid-social',
    utm: { source: 'facebook', medium: 'paid_social', campaign: 'kitchen-lookbook' },
    dailySpendCents: 60_000,
  },
  {
    channel: 'paid-social',
    utm: { source: 'instagram', medium: 'cpc', campaign: 'home-refresh' },
    dailySpendCents: 40_000,
  },
  {
    channel: 'email',
    utm: { source: 'newsletter', medium: 'email', campaign: 'march-newsletter' },
    dailySpendCents: 2_000,
  },
  {
    channel: 'display',
    utm: { source: 'criteo', medium: 'display', campaign: 'retargeting-q1' },
    dailySpendCents: 30_000,
  },
  {
    channel: 'affiliate',
    utm: { source: 'awin', medium: 'affiliate', campaign: 'coffee-bloggers' },
    dailySpendCents: 10_000,
  },
];

export const ORGANIC_REFERRERS = [
  'https://www.google.com/',
  'https://www.bing.com/',
  'https://duckduckgo.com/',
  'https://l.facebook.com/',
  'https://www.pinterest.com/',
  'https://coffee-blog.example.org/best-espresso-machines',
];

export const DISCOUNT_CODES = ['SPRING10', 'WELCOME5', 'FREESHIP'];

export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
